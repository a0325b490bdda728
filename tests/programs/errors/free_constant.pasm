; exit: 70
.func main
    push "literal"
    pool_free
    push 0
    ret
.end

; exit: 70
.pool node slots=4 blocks=2
.func main
.local n
    pool_malloc node
    store n
    load n
    print
    load n
    pool_free
    load n
    pool_free
    push 0
    ret
.end

; flags: --trace=exec
.func main
    push 2
    push 3
    add
    dup
    print
    pop
    push 0
    ret
.end

; fib.pasm — naive recursion, fib(35): one frame block per call.
.func fib n
    load n
    push 2
    lt
    jz recurse
    load n
    ret
recurse:
    load n
    push 1
    sub
    call fib
    load n
    push 2
    sub
    call fib
    add
    ret
.end

.func main
    push 35
    call fib
    print
    push 0
    ret
.end

; fib.pasm — naive recursive Fibonacci. Every call takes a block from the
; frame pool and every ret gives it back: the frame pool's peak is the
; deepest call chain. Usage: poolvm run fib.pasm [N]   (default 25)
.func fib n
    load n
    push 2
    lt
    jz recur
    load n
    ret
recur:
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
.local n s
    push 25
    store n
    argc
    jz go
    push 0
    argv
    dup
    toint
    store n
    pool_free               ; argv made a string: give it back
go:
    push "fib("
    write
    load n
    write
    push ") = "
    write
    load n
    call fib
    print
    push "frames in use: "
    write
    pool_used frame         ; only main's
    print
    push 0
    ret
.end

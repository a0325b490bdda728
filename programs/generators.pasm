; generators.pasm — coroutines as generators: `naturals` yields 2, 3, 4, ...
; and `primes` resumes it, keeping only the numbers no smaller prime divides.
; main takes the first N primes (default 10), then frees both coroutines:
; every coroutine is one block of the `co` pool and its frames are `frame`
; blocks, so the pools show exactly what is suspended.
; Usage: poolvm run generators.pasm [N]
.pool co slots=32 blocks=4

.func naturals from
top:
    load from
    yield
    pop
    load from
    push 1
    add
    store from
    jmp top
.end

; Trial division of n by every d with d*d <= n.
.func is_prime n
.local d
    push 2
    store d
loop:
    load d
    load d
    mul
    load n
    gt
    jnz yes
    load n
    load d
    mod
    jz no
    load d
    push 1
    add
    store d
    jmp loop
yes:
    push true
    ret
no:
    push false
    ret
.end

.func primes source
.local n
top:
    load source
    push nil
    coresume
    store n
    load n
    call is_prime
    jz top
    load n
    yield
    pop
    jmp top
.end

.func main
.local count nat gen i
    push 10
    store count
    argc
    jz go
    push 0
    argv
    toint
    store count
go:
    push 2
    cocreate naturals
    store nat
    load nat
    cocreate primes
    store gen
    push 0
    store i
next:
    load i
    load count
    lt
    jz done
    load gen
    push nil
    coresume
    write
    push " "
    write
    load i
    push 1
    add
    store i
    jmp next
done:
    push ""
    print
    push "suspended: "
    write
    load gen
    costatus
    write
    push ", co blocks in use: "
    write
    pool_used co
    write
    push ", frames in use: "
    write
    pool_used frame
    print
    load gen
    pool_free
    load nat
    pool_free
    push "after freeing: co "
    write
    pool_used co
    write
    push ", frames "
    write
    pool_used frame
    print
    push 0
    ret
.end

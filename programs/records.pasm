; records.pasm — a program-declared pool of 3-slot records (x, y, next),
; its slots named with fields= and its size with a constant.
; pool_malloc gives nil when the pool is exhausted, like C's malloc.
.const CAPACITY 4
.pool point fields=x,y,next blocks=CAPACITY

.func make x y
.local p
    pool_malloc point
    store p
    load p
    jz out                  ; exhausted: return nil
    load p
    load x
    setf point.x
    load p
    load y
    setf point.y
out:
    load p
    ret
.end

.func main
.local a b c d e sum i
    push 1
    push 2
    call make
    store a
    push 3
    push 4
    call make
    store b
    push 5
    push 6
    call make
    store c
    push 7
    push 8
    call make
    store d
    push 9
    push 10
    call make
    store e
    load e
    print                   ; nil: only 4 blocks
    pool_used point
    print
    load a
    print                   ; <point#0>
    load d
    len
    print                   ; 3 slots
    load a
    load b
    setf point.next         ; link a -> b -> c
    load b
    load c
    setf point.next
    push 0
    store sum
loop:
    load a
    jz done
    load sum
    load a
    getf point.x
    load a
    push 1                  ; y by index, as geti takes it
    geti
    mul
    add
    store sum
    load a
    getf point.next
    store a
    jmp loop
done:
    load sum
    print                   ; 1*2 + 3*4 + 5*6 = 44
    load b
    pool_free
    pool_malloc point       ; the freed block comes back, nil-filled
    dup
    getf 0                  ; numbered slots still work: x
    print                   ; nil
    dup
    load b
    eq
    print                   ; false: a new generation, a different reference
    pool_free
    load c
    pool_free
    load d
    pool_free
    pool_used point
    print                   ; 1: a's block
    push 0
    ret
.end

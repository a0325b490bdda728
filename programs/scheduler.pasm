; scheduler.pasm — coroutines as cooperative tasks: main runs three of them
; round-robin, resuming each in turn until it returns. Each task keeps its
; own state (its locals and its place in its loop) in its own frames and
; stack segment while the others run: a `co` block and `frame` blocks each,
; so `--trace=alloc` shows every switch and `--trace=map` what is suspended.
; A task that returns is dead: the scheduler prints its result, frees its
; block and drops it from the ring.
.pool co slots=32 blocks=4
.pool ring slots=3 blocks=1

; Counts n ticks of `step`, one a turn; returns the total.
.func counter name n step
.local i total
    push 0
    store i
    push 0
    store total
loop:
    load i
    load n
    ge
    jnz done
    load name
    write
    push ": total "
    write
    load total
    print
    load total
    load step
    add
    store total
    load i
    push 1
    add
    store i
    push nil
    yield
    pop
    jmp loop
done:
    load total
    ret
.end

; The Fibonacci numbers below `limit`, one a turn; returns how many.
.func fibs limit
.local a b count
    push 0
    store a
    push 1
    store b
    push 0
    store count
loop:
    load a
    load limit
    lt
    jz done
    push "fibs: "
    write
    load a
    print
    load a
    load b
    add
    load b
    store a
    store b
    load count
    push 1
    add
    store count
    push nil
    yield
    pop
    jmp loop
done:
    load count
    ret
.end

; Counts down from n in a call of its own: a yield from inside a call keeps
; the whole frame chain of the task; returns a string.
.func countdown n
top:
    load n
    jz done
    load n
    call announce
    pop
    load n
    push 1
    sub
    store n
    jmp top
done:
    push "liftoff"
    ret
.end

.func announce k
    push "countdown: "
    write
    load k
    print
    push nil
    yield
    ret
.end

.func main
.local ring live round i co r
    pool_malloc ring
    store ring
    load ring
    push 0
    push "ticks"
    push 3
    push 10
    cocreate counter
    seti
    load ring
    push 1
    push 30
    cocreate fibs
    seti
    load ring
    push 2
    push 4
    cocreate countdown
    seti
    push 3
    store live
    push 0
    store round
next_round:
    load live
    jz finished
    load round
    push 1
    add
    store round
    push "-- round "
    write
    load round
    write
    push ", co blocks in use: "
    write
    pool_used co
    print
    push 0
    store i
next_task:
    load i
    push 3
    lt
    jz next_round
    load ring
    load i
    geti
    store co
    load co
    push nil
    eq
    jnz skip
    load co
    push nil
    coresume
    store r
    load co
    costatus
    push 3
    eq
    jz skip
    push "task "
    write
    load i
    write
    push " returned "
    write
    load r
    print
    load co
    pool_free
    load ring
    load i
    push nil
    seti
    load live
    push 1
    sub
    store live
skip:
    load i
    push 1
    add
    store i
    jmp next_task
finished:
    push "all done after "
    write
    load round
    write
    push " rounds; co "
    write
    pool_used co
    write
    push ", frames "
    write
    pool_used frame
    print
    load ring
    pool_free
    push 0
    ret
.end

; fifo.pasm — a FIFO queue as a linked list of two-slot records (value,
; next), driven through small functions: 4,000,000 enqueues, and a dequeue
; whenever the queue holds more than 100 items. Dequeued nodes are freed.
.pool node slots=2 blocks=128
.pool queue slots=3 blocks=1    ; head, tail, size

.func new_queue
.local q
    pool_malloc queue
    store q
    load q
    push 0
    setf 2
    load q
    ret
.end

.func enqueue q v
.local node
    pool_malloc node
    store node
    load node
    load v
    setf 0
    load q
    getf 1
    jz empty
    load q
    getf 1
    load node
    setf 1
    jmp linked
empty:
    load q
    load node
    setf 0
linked:
    load q
    load node
    setf 1
    load q
    load q
    getf 2
    push 1
    add
    setf 2
    push nil
    ret
.end

.func dequeue q
.local node v
    load q
    getf 0
    store node
    load q
    load node
    getf 1
    setf 0
    load q
    getf 0
    jnz rest
    load q
    push nil
    setf 1
rest:
    load q
    load q
    getf 2
    push 1
    sub
    setf 2
    load node
    getf 0
    store v
    load node
    pool_free
    load v
    ret
.end

.func step q i
    load q
    load i
    push 1000
    mod
    call enqueue
    pop
    load q
    getf 2
    push 100
    gt
    jz none
    load q
    call dequeue
    ret
none:
    push 0
    ret
.end

.func main
.local q sum i
    call new_queue
    store q
    push 0
    store sum
    push 0
    store i
steps:
    load sum
    load q
    load i
    call step
    add
    store sum
    load i
    push 1
    add
    store i
    load i
    push 4000000
    lt
    jnz steps
drain:
    load q
    getf 2
    push 0
    gt
    jz done
    load sum
    load q
    call dequeue
    add
    store sum
    jmp drain
done:
    load sum
    print
    push 0
    ret
.end

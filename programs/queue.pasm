; queue.pasm — a FIFO queue: a record {head, tail, size} over cons cells.
; Enqueue appends a cell at the tail in O(1), dequeue frees the head cell.
.const MAX_QUEUES 8
.pool queue fields=head,tail,size blocks=MAX_QUEUES

.func q_new
.local q
    pool_malloc queue
    store q
    load q
    push 0
    setf queue.size
    load q
    ret
.end

.func q_push q v
.local cell
    load v
    push nil
    cons
    store cell
    load q
    getf queue.tail
    jz empty
    load q
    getf queue.tail
    load cell
    setcdr                  ; old tail -> cell
    jmp linked
empty:
    load q
    load cell
    setf queue.head
linked:
    load q
    load cell
    setf queue.tail
    load q
    load q
    getf queue.size
    push 1
    add
    setf queue.size
    push nil
    ret
.end

.func q_pop q               ; the oldest value; the queue must not be empty
.local cell v
    load q
    getf queue.size
    assert
    load q
    getf queue.head
    store cell
    load cell
    car
    store v
    load q
    load cell
    cdr
    setf queue.head
    load q
    getf queue.head
    jnz still
    load q
    push nil
    setf queue.tail          ; emptied: no tail either
still:
    load cell
    pool_free
    load q
    load q
    getf queue.size
    push 1
    sub
    setf queue.size
    load v
    ret
.end

.func main
.local q i
    call q_new
    store q
    push 1
    store i
fill:
    load i
    push 5
    gt
    jnz drain_some
    load q
    load i
    call q_push
    pop
    load i
    push 1
    add
    store i
    jmp fill
drain_some:
    load q
    call q_pop
    print                   ; 1
    load q
    call q_pop
    print                   ; 2
    load q
    push "six"
    call q_push
    pop
    load q
    getf queue.head
    print                   ; (3 4 5 "six")
    load q
    getf queue.size
    print                   ; 4
drain:
    load q
    getf queue.size
    jz empty
    load q
    call q_pop
    write
    push " "
    write
    jmp drain
empty:
    push ""
    print
    pool_used cons
    print                   ; 0
    load q
    pool_free
    pool_used queue
    print                   ; 0
    push 0
    ret
.end

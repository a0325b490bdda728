; queue.pasm — a FIFO queue: a record {head, tail, size} over cons cells.
; Enqueue appends a cell at the tail in O(1), dequeue frees the head cell.
.pool queue slots=3 blocks=8

.func q_new
.local q
    pool_malloc queue
    store q
    load q
    push 0
    setf 2
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
    getf 1
    jz empty
    load q
    getf 1
    load cell
    setcdr                  ; old tail -> cell
    jmp linked
empty:
    load q
    load cell
    setf 0                  ; head
linked:
    load q
    load cell
    setf 1                  ; tail
    load q
    load q
    getf 2
    push 1
    add
    setf 2
    push nil
    ret
.end

.func q_pop q               ; the oldest value; the queue must not be empty
.local cell v
    load q
    getf 2
    assert
    load q
    getf 0
    store cell
    load cell
    car
    store v
    load q
    load cell
    cdr
    setf 0
    load q
    getf 0
    jnz still
    load q
    push nil
    setf 1                  ; emptied: no tail either
still:
    load cell
    pool_free
    load q
    load q
    getf 2
    push 1
    sub
    setf 2
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
    getf 0
    print                   ; (3 4 5 "six")
    load q
    getf 2
    print                   ; 4
drain:
    load q
    getf 2
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

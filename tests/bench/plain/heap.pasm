; heap.pasm — a binary min-heap in one 30,000-slot record: push 30,000
; pseudo-random ints (Park-Miller), pop them all checking the order; 24
; rounds.
.pool array slots=30000 blocks=1
.global heap
.global size

.func push v
.local i p
    gload size
    store i
    gload size
    push 1
    add
    gstore size
    gload heap
    load i
    load v
    seti
up:
    load i
    push 0
    gt
    jz placed
    load i
    push 1
    sub
    push 2
    div
    store p
    gload heap
    load p
    geti
    load v
    le
    jnz placed
    gload heap
    load i
    gload heap
    load p
    geti
    seti
    load p
    store i
    jmp up
placed:
    gload heap
    load i
    load v
    seti
    push nil
    ret
.end

.func pop
.local top v i c
    gload heap
    push 0
    geti
    store top
    gload size
    push 1
    sub
    gstore size
    gload heap
    gload size
    geti
    store v
    push 0
    store i
down:
    push 2
    load i
    mul
    push 1
    add
    store c
    load c
    gload size
    ge
    jnz placed
    load c
    push 1
    add
    gload size
    lt
    jz chosen
    gload heap
    load c
    push 1
    add
    geti
    gload heap
    load c
    geti
    lt
    jz chosen
    load c
    push 1
    add
    store c
chosen:
    load v
    gload heap
    load c
    geti
    le
    jnz placed
    gload heap
    load i
    gload heap
    load c
    geti
    seti
    load c
    store i
    jmp down
placed:
    gload heap
    load i
    load v
    seti
    load top
    ret
.end

.func main
.local x check bad round i last v
    pool_malloc array
    gstore heap
    push 0
    gstore size
    push 42
    store x
    push 0
    store check
    push 0
    store bad
    push 0
    store round
rounds:
    push 1
    store i
fill:
    load x
    push 16807
    mul
    push 2147483647
    mod
    store x
    load x
    push 300000
    mod
    call push
    pop
    load i
    push 1
    add
    store i
    load i
    push 30001
    lt
    jnz fill
    push -1
    store last
    push 1
    store i
drain:
    call pop
    store v
    load v
    load last
    lt
    jz ordered
    load bad
    push 1
    add
    store bad
ordered:
    load v
    store last
    load check
    load v
    load i
    push 7
    mod
    mul
    add
    push 300003
    mod
    store check
    load i
    push 1
    add
    store i
    load i
    push 30001
    lt
    jnz drain
    load round
    push 1
    add
    store round
    load round
    push 24
    lt
    jnz rounds
    load check
    print
    load bad
    print
    push 0
    ret
.end

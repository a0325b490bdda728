; matrix.pasm — multiply 80x80 int matrices stored as records of row
; records, keeping each entry to 16 bits; 32 rounds.
.pool row slots=80 blocks=240
.pool mat slots=80 blocks=3

.func new_matrix seed
.local m i j r
    pool_malloc mat
    store m
    push 0
    store i
rows:
    pool_malloc row
    store r
    push 0
    store j
cols:
    load r
    load j
    load i
    load j
    mul
    load seed
    add
    push 100
    mod
    seti
    load j
    push 1
    add
    store j
    load j
    push 80
    lt
    jnz cols
    load m
    load i
    load r
    seti
    load i
    push 1
    add
    store i
    load i
    push 80
    lt
    jnz rows
    load m
    ret
.end

.func main
.local a b c check round i j k s t
    push 1
    call new_matrix
    store a
    push 7
    call new_matrix
    store b
    push 0
    call new_matrix
    store c
    push 0
    store check
    push 0
    store round
rounds:
    push 0
    store i
loop_i:
    push 0
    store j
loop_j:
    push 0
    store s
    push 0
    store k
loop_k:
    load s
    load a
    load i
    geti
    load k
    geti
    load b
    load k
    geti
    load j
    geti
    mul
    add
    store s
    load k
    push 1
    add
    store k
    load k
    push 80
    lt
    jnz loop_k
    load c
    load i
    geti
    load j
    load s
    push 65535
    band
    seti
    load j
    push 1
    add
    store j
    load j
    push 80
    lt
    jnz loop_j
    load i
    push 1
    add
    store i
    load i
    push 80
    lt
    jnz loop_i
    push 0
    store i
sum_i:
    push 0
    store j
sum_j:
    load check
    load c
    load i
    geti
    load j
    geti
    load i
    push 1
    add
    mul
    add
    push 1000003
    mod
    store check
    load j
    push 1
    add
    store j
    load j
    push 80
    lt
    jnz sum_j
    load i
    push 1
    add
    store i
    load i
    push 80
    lt
    jnz sum_i
    load a
    store t
    load c
    store a
    load t
    store c
    load round
    push 1
    add
    store round
    load round
    push 32
    lt
    jnz rounds
    load check
    print
    push 0
    ret
.end

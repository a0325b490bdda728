; sieve.pasm — sieve of Eratosthenes below 2,000,000, 10 rounds. The array is
; one record block of 2,000,000 slots; a fresh block is nil-filled, and nil
; means "not yet known composite".
.pool flags slots=2000000 blocks=1

.func main
.local round a i j count
    push 0
    store round
rounds:
    pool_malloc flags
    store a
    push 2
    store i
outer:
    load a
    load i
    geti
    jnz next_i
    load i
    load i
    mul
    store j
mark:
    load j
    push 2000000
    ge
    jnz next_i
    load a
    load j
    push true
    seti
    load j
    load i
    add
    store j
    jmp mark
next_i:
    load i
    push 1
    add
    dup
    store i
    dup
    mul
    push 2000000
    lt
    jnz outer

    push 0
    store count
    push 2
    store i
count:
    load a
    load i
    geti
    jnz composite
    load count
    push 1
    add
    store count
composite:
    load i
    push 1
    add
    dup
    store i
    push 2000000
    lt
    jnz count
    load a
    pool_free
    load round
    push 1
    add
    dup
    store round
    push 10
    lt
    jnz rounds
    load count
    print
    push 0
    ret
.end

; hashtab.pasm — an open-addressing hash table (linear probing) in one
; record of 2 * 65536 slots, keys and values interleaved; insert 40,000 keys,
; look up each and as many missing ones, clear; 48 rounds.
.pool table slots=131072 blocks=1

.func main
.local t found sum round i k h x
    pool_malloc table
    store t
    push 0
    store found
    push 0
    store sum
    push 0
    store round
rounds:
    push 0
    store i
clear:
    load t
    load i
    push nil
    seti
    load i
    push 1
    add
    store i
    load i
    push 131072
    lt
    jnz clear
    push 1
    store i
insert:
    load i
    push 7919
    mul
    load round
    add
    push 1000003
    mod
    push 1
    add
    store k
    load k
    push 40503
    mul
    push 65535
    band
    store h
probe:
    load t
    load h
    push 2
    mul
    geti
    store x
    load x
    jz place
    load x
    load k
    eq
    jnz place
    load h
    push 1
    add
    push 65535
    band
    store h
    jmp probe
place:
    load t
    load h
    push 2
    mul
    load k
    seti
    load t
    load h
    push 2
    mul
    push 1
    add
    load i
    seti
    load i
    push 1
    add
    store i
    load i
    push 40001
    lt
    jnz insert
    push 1
    store i
lookup:
    load i
    push 7919
    mul
    load round
    add
    push 1000003
    mod
    push 1
    add
    store k
    load k
    push 40503
    mul
    push 65535
    band
    store h
look:
    load t
    load h
    push 2
    mul
    geti
    store x
    load x
    jz next
    load x
    load k
    eq
    jz step
    load found
    push 1
    add
    store found
    load sum
    load t
    load h
    push 2
    mul
    push 1
    add
    geti
    add
    push 1000003
    mod
    store sum
    jmp next
step:
    load h
    push 1
    add
    push 65535
    band
    store h
    jmp look
next:
    load i
    push 1
    add
    store i
    load i
    push 80001
    lt
    jnz lookup
    load round
    push 1
    add
    store round
    load round
    push 48
    lt
    jnz rounds
    load found
    print
    load sum
    print
    push 0
    ret
.end

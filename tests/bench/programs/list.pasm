; list.pasm — build a 300,000-element cons list, reverse it into new cells
; (freeing the old ones as it goes), sum it, free it; 10 times.
.pool cons blocks=300001

.func main
.local round total l r s i
    push 0
    store total
    push 0
    store round
rounds:
    push nil
    store l
    push 0
    store i
build:
    load i
    load l
    cons
    store l
    load i
    push 1
    add
    dup
    store i
    push 300000
    lt
    jnz build

    push nil
    store r
reverse:
    load l
    car
    load r
    cons
    store r
    load l
    cdr
    load l
    pool_free
    dup
    store l
    jnz reverse

    push 0
    store s
    load r
    store l
sum:
    load s
    load l
    car
    add
    store s
    load l
    cdr
    dup
    store l
    jnz sum
    load total
    load s
    add
    store total

free:
    load r
    cdr
    load r
    pool_free
    dup
    store r
    jnz free

    load round
    push 1
    add
    dup
    store round
    push 10
    lt
    jnz rounds
    load total
    print
    push 0
    ret
.end

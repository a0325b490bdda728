; loop.pasm — sum of i*i mod 7 for i below 90,000,000.
.func main
.local i s
    push 0
    store i
    push 0
    store s
next:
    load s
    load i
    load i
    mul
    push 7
    mod
    add
    store s
    load i
    push 1
    add
    store i
    load i
    push 90000000
    lt
    jnz next
    load s
    print
    push 0
    ret
.end

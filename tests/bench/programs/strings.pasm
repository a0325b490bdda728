; strings.pasm — build short strings by concatenation and free them.
.func main
.local i total digits key s
    push 0
    store i
    push 0
    store total
next:
    load i
    tostr
    store digits
    push "key"
    load digits
    concat
    store key
    load key
    push ":v"
    concat
    store s
    load total
    load s
    len
    add
    store total
    load digits
    pool_free
    load key
    pool_free
    load s
    pool_free
    load i
    push 1
    add
    dup
    store i
    push 3000000
    lt
    jnz next
    load total
    print
    push 0
    ret
.end

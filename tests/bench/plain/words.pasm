; words.pasm — build lines word by word with concatenation, then scan each
; line byte by byte, cutting out every word and comparing it with a target.
; Every string made is freed.
.func main
.local count total r line j num t1 t2 n i start w
    push 0
    store count
    push 0
    store total
    push 0
    store r
lines:
    push ""
    push 0
    push 0
    substr
    store line
    push 0
    store j
words:
    load r
    load j
    load j
    mul
    add
    push 97
    mod
    tostr
    store num
    push "w"
    load num
    concat
    store t1
    load line
    load t1
    concat
    store t2
    load t2
    push " "
    concat
    load line
    pool_free
    store line
    load t2
    pool_free
    load t1
    pool_free
    load num
    pool_free
    load j
    push 1
    add
    store j
    load j
    push 12
    lt
    jnz words
    load line
    len
    store n
    push 0
    store i
scan:
    load i
    load n
    lt
    jz scanned
    load i
    store start
find_space:
    load line
    load i
    byte
    push 32
    ne
    jz cut
    load i
    push 1
    add
    store i
    jmp find_space
cut:
    load line
    load start
    load i
    load start
    sub
    substr
    store w
    load w
    push "w42"
    eq
    jz not_it
    load count
    push 1
    add
    store count
not_it:
    load total
    load w
    load w
    len
    push 1
    sub
    byte
    add
    store total
    load w
    pool_free
    load i
    push 1
    add
    store i
    jmp scan
scanned:
    load line
    pool_free
    load r
    push 1
    add
    store r
    load r
    push 120000
    lt
    jnz lines
    load count
    print
    load total
    print
    push 0
    ret
.end

; tokens.pasm — a JSON-like tokenizer: builds a 34 KB document (34,320 bytes) piece by
; piece, then scans it byte by byte 320 times, summing numbers, cutting out
; every string and counting those that sort before "m".
; Concatenates a and b into a new string and frees a.
.func append a b
.local s
    load a
    load b
    concat
    store s
    load a
    pool_free
    load s
    ret
.end

; Appends v's printed form to a, freeing a and the temporary.
.func append_int a v
.local t s
    load v
    tostr
    store t
    load a
    load t
    call append
    store s
    load t
    pool_free
    load s
    ret
.end

.func main
.local piece doc i t numbers strings before brackets round n c v start s
    push ""
    push 0
    push 0
    substr
    store piece
    push 0
    store i
pieces:
    load piece
    push "{\"k"
    call append
    load i
    call append_int
    push "\":["
    call append
    load i
    push 37
    mul
    call append_int
    push ","
    call append
    load i
    load i
    mul
    call append_int
    push "],\"s\":\""
    call append
    push "abcdefghijklmnopqrstuvwxyz"
    load i
    push 5
    substr
    store t
    load t
    call append
    load t
    pool_free
    push "\"},"
    call append
    store piece
    load i
    push 1
    add
    store i
    load i
    push 20
    lt
    jnz pieces
    push ""
    push 0
    push 0
    substr
    store doc
    push 0
    store i
copies:
    load doc
    load piece
    call append
    store doc
    load i
    push 1
    add
    store i
    load i
    push 60
    lt
    jnz copies
    push 0
    store numbers
    push 0
    store strings
    push 0
    store before
    push 0
    store brackets
    push 0
    store round
rounds:
    load doc
    len
    store n
    push 0
    store i
scan:
    load i
    load n
    lt
    jz scanned
    load doc
    load i
    byte
    store c
    load c
    push 48
    ge
    jz not_number
    load c
    push 57
    le
    jz not_number
    push 0
    store v
digits:
    load c
    push 48
    ge
    jz number_done
    load c
    push 57
    le
    jz number_done
    load v
    push 10
    mul
    load c
    push 48
    sub
    add
    store v
    load i
    push 1
    add
    store i
    load doc
    load i
    byte
    store c
    jmp digits
number_done:
    load numbers
    load v
    add
    store numbers
    jmp scan
not_number:
    load c
    push 34
    eq
    jz other
    load i
    push 1
    add
    store start
    load i
    push 1
    add
    store i
quoted:
    load doc
    load i
    byte
    push 34
    ne
    jz closed
    load i
    push 1
    add
    store i
    jmp quoted
closed:
    load doc
    load start
    load i
    load start
    sub
    substr
    store s
    load strings
    push 1
    add
    store strings
    load s
    push "m"
    lt
    jz not_before
    load before
    push 1
    add
    store before
not_before:
    load s
    pool_free
    load i
    push 1
    add
    store i
    jmp scan
other:
    load c
    push 91
    eq
    jnz bracket
    load c
    push 123
    eq
    jz plain
bracket:
    load brackets
    push 1
    add
    store brackets
plain:
    load i
    push 1
    add
    store i
    jmp scan
scanned:
    load round
    push 1
    add
    store round
    load round
    push 320
    lt
    jnz rounds
    load numbers
    print
    load strings
    print
    load before
    print
    load brackets
    print
    push 0
    ret
.end

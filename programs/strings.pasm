; strings.pasm — strings live in the str pool, 32 bytes of text per block;
; longer strings chain several blocks. Every string an instruction makes is
; the program's to free.
.func repeat s n            ; s concatenated n times (n >= 1)
.local acc next
    load s
    push ""
    concat
    store acc
loop:
    load n
    push 1
    le
    jnz done
    load acc
    load s
    concat
    store next
    load acc
    pool_free
    load next
    store acc
    load n
    push 1
    sub
    store n
    jmp loop
done:
    load acc
    ret
.end

.func main
.local s t base i
    pool_used str
    store base              ; the constants' blocks
    push "pool"
    push "vm"
    concat
    store s
    load s
    print                   ; poolvm
    load s
    len
    print                   ; 6
    load s
    push 0
    byte
    print                   ; 112 ('p')
    load s
    push 4
    push 2
    substr
    dup
    print                   ; vm
    pool_free
    push 3.25
    tostr
    dup
    print
    pool_free
    push "12"
    toint
    push "-30"
    toint
    add
    print                   ; -18
    push "12x"
    toint
    print                   ; nil
    push "abc"
    push "abd"
    lt
    print                   ; true
    load s
    push "poolvm"
    eq
    print                   ; true: by content
    push "0123456789"
    push 10
    call repeat
    store t
    load t
    len
    print                   ; 100
    pool_used str
    load base
    sub
    print                   ; 1 (s) + 4 (t) blocks
    load t
    push 95
    push 5
    substr
    dup
    print                   ; 56789
    pool_free
    load t
    pool_free
    load s
    pool_free
    pool_used str
    load base
    sub
    print                   ; 0: everything came back
    push "tab\there, quote \" and \x41"
    print
    push 0
    ret
.end

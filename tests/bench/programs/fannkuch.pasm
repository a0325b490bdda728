; fannkuch.pasm — the Benchmarks Game's fannkuch-redux, n = 9. The three
; arrays are record blocks indexed with geti/seti.
.pool arr slots=9 blocks=3

.func main
.local n perm perm1 count r maxflips checksum permcount i flips k lo hi t perm0
    push 9
    store n
    pool_malloc arr
    store perm
    pool_malloc arr
    store perm1
    pool_malloc arr
    store count
    push 0
    store i
init:                       ; perm1[i] = i
    load perm1
    load i
    load i
    seti
    load i
    push 1
    add
    store i
    load i
    load n
    lt
    jnz init
    load n
    store r
    push 0
    store maxflips
    push 0
    store checksum
    push 0
    store permcount
outer:                      ; while r != 1: count[r-1] = r; r = r - 1
    load r
    push 1
    eq
    jnz filled
    load count
    load r
    push 1
    sub
    load r
    seti
    load r
    push 1
    sub
    store r
    jmp outer
filled:
    push 0
    store i
copy:                       ; perm = perm1
    load perm
    load i
    load perm1
    load i
    geti
    seti
    load i
    push 1
    add
    store i
    load i
    load n
    lt
    jnz copy
    push 0
    store flips
    load perm
    push 0
    geti
    store k
flip:                       ; reverse perm[0..k] until perm[0] is 0
    load k
    jz flipped
    push 0
    store lo
    load k
    store hi
swap:                       ; k >= 1, so lo < hi on entry
    load perm
    load lo
    geti
    store t
    load perm
    load lo
    load perm
    load hi
    geti
    seti
    load perm
    load hi
    load t
    seti
    load lo
    push 1
    add
    store lo
    load hi
    push 1
    sub
    store hi
    load lo
    load hi
    lt
    jnz swap
    load flips
    push 1
    add
    store flips
    load perm
    push 0
    geti
    store k
    jmp flip
flipped:
    load flips
    load maxflips
    le
    jnz not_max
    load flips
    store maxflips
not_max:
    load permcount
    push 1
    band
    jnz odd
    load checksum
    load flips
    add
    store checksum
    jmp next_perm
odd:
    load checksum
    load flips
    sub
    store checksum
next_perm:                  ; rotate perm1[0..r] left; count[r] -= 1
    load r
    load n
    eq
    jnz finish
    load perm1
    push 0
    geti
    store perm0
    push 0
    store i
shift:                      ; r >= 1, so i < r on entry
    load perm1
    load i
    load perm1
    load i
    push 1
    add
    geti
    seti
    load i
    push 1
    add
    store i
    load i
    load r
    lt
    jnz shift
    load perm1
    load r
    load perm0
    seti
    load count
    load r
    load count
    load r
    geti
    push 1
    sub
    seti
    load count
    load r
    geti
    push 0
    gt
    jnz counted
    load r
    push 1
    add
    store r
    jmp next_perm
counted:
    load permcount
    push 1
    add
    store permcount
    jmp outer
finish:
    load checksum
    print
    push "Pfannkuchen("
    write
    load n
    write
    push ") = "
    write
    load maxflips
    print
    push 0
    ret
.end

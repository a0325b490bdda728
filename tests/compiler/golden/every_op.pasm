; Uses every instruction of the table at least once (dis round trip and golden text).
.pool node slots=4 blocks=10
.pool frame slots=8 blocks=64
.global g
.extern host 1

.func helper a b
    load a
    load b
    add
    ret
.end

.func looper n
    load n
    jz done
    load n
    push 1
    sub
    tailcall looper
done:
    push "esc\t\"q\"\n\x01"
    call host
    tailcall host
.end

.func main
.local r s
    push 1
    push 2.5
    push true
    push false
    push nil
    pop
    pop
    pop
    dup
    swap
    over
    add
    sub
    push 3
    mul
    push 2
    div
    push 7
    mod
    neg
    push 6
    band
    push 1
    bor
    push 3
    bxor
    push 1
    shl
    push 1
    shr
    bnot
    itof
    ftoi
    sqrt
    pop
    push 1
    push 2
    eq
    push 1
    push 2
    ne
    push 1
    push 2
    lt
    push 1
    push 2
    le
    push 1
    push 2
    gt
    push 1
    push 2
    ge
    not
    jnz l1
l1: pop
    jmp l2
l2: pop
    pop
    pop
    pop
    gstore g
    gload g
    store r
    pool_malloc node
    dup
    push 9
    setf 0
    dup
    getf 0
    pop
    dup
    push 1
    geti
    pop
    dup
    push 1
    push 5
    seti
    dup
    len
    pop
    pool_free
    pool_used cons
    pool_cap node
    cons
    dup
    car
    pop
    dup
    cdr
    pop
    dup
    push 0
    setcar
    dup
    push 0
    setcdr
    pool_free
    push "ab"
    push "cd"
    concat
    store s
    load s
    tostr
    push 0
    push 1
    substr
    push 0
    byte
    pop
    load s
    toint
    print
    load s
    write
    argc
    pop
    push 0
    argv
    pop
    push true
    assert
    nop
    push nil
    yield
    pop
    push 1
    push 2
    cocreate helper
    dup
    costatus
    pop
    push nil
    coresume
    pop
    push 1
    push 2
    call helper
    pop
    push 0
    call looper
    pop
    push 0
    halt
.end

; flags: --trace=map --pool cons=200 --pool str=4 --pool frame=2
; Every other cons cell is freed at once, so the free stack hands the same
; block back: 50 blocks in use, packed at the start. One constant string.
.func main
.local i keep c
    push "const"
    pop
    push 0
    store i
loop:
    load i
    push 100
    ge
    jnz done
    load i
    push nil
    cons
    store c
    load i
    push 2
    mod
    jz kept
    load c
    pool_free
kept:
    load i
    push 1
    add
    store i
    jmp loop
done:
    push 0
    ret
.end

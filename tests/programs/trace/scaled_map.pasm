; flags: --trace=map --pool cons=1000000 --pool str=2 --pool frame=2
; A pool too large to draw block by block is drawn scaled.
.func main
.local i
    push 0
    store i
loop:
    load i
    push 300000
    ge
    jnz done
    load i
    push nil
    cons
    pop
    load i
    push 1
    add
    store i
    jmp loop
done:
    push 0
    ret
.end

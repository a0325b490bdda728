; exit: 70
; flags: --pool frame=50
.func down n
    load n
    push 1
    add
    call down
    ret
.end

.func main
    push 0
    call down
    ret
.end

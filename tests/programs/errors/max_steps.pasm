; exit: 70
; flags: --max-steps 1000
; An endless loop stopped by the step budget.
.func main
loop:
    jmp loop
.end

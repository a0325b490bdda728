; exit: 70
; flags: --trace --pool cons=8 --pool str=4 --pool frame=8
; The summary is printed after a runtime error too.
.func main
    push 1
    push 2
    cons
    push 0
    div
    ret
.end

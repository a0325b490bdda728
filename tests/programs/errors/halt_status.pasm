; exit: 42
; halt stops the program from inside a call; main's result is never reached.
.func stop
    push "stopping"
    print
    push 298               ; exit status is taken mod 256
    halt
.end

.func main
    call stop
    print
    push 0
    ret
.end

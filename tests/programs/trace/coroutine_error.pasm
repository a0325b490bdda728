; exit: 70
; flags: --trace=alloc
; An error two coroutines deep: the run ends, each coroutine it went through
; dies, innermost first, with a `died` line where it stood (its frames are
; given back first), and the main run's frames go last.
.pool co slots=8 blocks=2

.func inner x
    load x
    yield
    push 0
    div
    ret
.end

.func outer x
.local c
    load x
    cocreate inner
    store c
    load c
    push 0
    coresume
    pop
    load c
    push 0
    coresume
    ret
.end

.func main
.local c
    push 7
    cocreate outer
    store c
    load c
    push 0
    coresume
    print
    push 0
    ret
.end

; flags: --trace=alloc
; Each yield of the main run is a line of the alloc trace, and so is the
; resume that `poolvm run` does at once with nil.
.func main
.local got
    push 1
    yield
    store got
    load got
    print
    push "two"
    call pass
    print
    push 0
    ret
.end

; A yield from inside a call pauses the whole run, frames and all.
.func pass v
    load v
    yield
    ret
.end

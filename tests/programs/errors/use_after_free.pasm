; exit: 70
; Reading a freed cons through an old reference; the backtrace names every active call.
.func sum list
    load list
    car
    load list
    cdr
    car
    add
    ret
.end

.func main
.local xs
    push 1
    push 2
    push nil
    cons
    cons
    store xs
    load xs
    cdr
    pool_free
    load xs
    call sum
    print
    push 0
    ret
.end

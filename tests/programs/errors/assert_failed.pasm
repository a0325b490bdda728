; exit: 70
.func check x
    load x
    assert
    push nil
    ret
.end

.func main
    push 1
    call check
    pop
    push 0
    call check
    ret
.end

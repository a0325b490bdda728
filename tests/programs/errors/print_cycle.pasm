; A cyclic list prints with its length capped instead of looping forever.
.func main
.local c
    push 1
    push nil
    cons
    store c
    load c
    load c
    setcdr
    load c
    tostr
    len
    print                   ; "(" + 10000 * "1 " -1 + " ...)"
    push 0
    ret
.end

; script.pasm — run by the example host: uses the host's log and now_ms.
.extern log 1
.extern now_ms 0

.func squares n             ; a list of the first n squares
.local acc
    push nil
    store acc
loop:
    load n
    jz done
    load n
    load n
    mul
    load acc
    cons
    store acc
    load n
    push 1
    sub
    store n
    jmp loop
done:
    load acc
    ret
.end

.func main
.local xs t
    call now_ms
    store t
    push "building squares"
    call log
    pop
    push 10
    call squares
    store xs
    load xs
    print
    load xs
    pool_free                ; frees the first cell only: the rest is left for the host to see
    call now_ms
    load t
    ge
    assert                   ; time does not go backwards
    push 0
    ret
.end

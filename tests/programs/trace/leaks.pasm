; flags: --trace=summary --pool cons=16 --pool str=8 --pool frame=4
; Leaks from two sites: the summary groups the blocks still in use by the
; function and line that allocated them.
.pool node slots=3 blocks=4

.func build n               ; a list of n cells, never freed
.local acc
    push nil
    store acc
loop:
    load n
    jz done
    load n
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
.local t
    push 3
    call build
    pop
    pool_malloc node
    pool_free               ; freed: not a leak
    pool_malloc node
    pop                     ; dropped: leaks one node block
    push "abc"
    push "def"
    concat                  ; a string that is never freed
    pop
    push 0
    ret
.end

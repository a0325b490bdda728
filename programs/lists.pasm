; lists.pasm — cons lists: build one, print it, reverse it in place, map a
; function over it into a new list, then free both and check nothing leaked.
.func range n               ; (1 2 ... n)
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

.func reverse list          ; in place: no allocation
.local prev next
    push nil
    store prev
loop:
    load list
    jz done
    load list
    cdr
    store next
    load list
    load prev
    setcdr
    load list
    store prev
    load next
    store list
    jmp loop
done:
    load prev
    ret
.end

.func squares list          ; a new list of the squares, same order
    load list
    jz empty
    load list
    car
    dup
    mul
    load list
    cdr
    call squares
    cons
    ret
empty:
    push nil
    ret
.end

.func length list
.local n
    push 0
    store n
loop:
    load list
    jz done
    load n
    push 1
    add
    store n
    load list
    cdr
    store list
    jmp loop
done:
    load n
    ret
.end

.func free_list list        ; frees every cell; returns nil
.local next
loop:
    load list
    jz done
    load list
    cdr
    store next
    load list
    pool_free
    load next
    store list
    jmp loop
done:
    push nil
    ret
.end

.func main
.local xs ys
    push 10
    call range
    store xs
    load xs
    print
    load xs
    call reverse
    store xs
    load xs
    print
    load xs
    call squares
    store ys
    load ys
    print
    load ys
    call length
    print
    push "cons cells in use: "
    write
    pool_used cons
    print
    load xs
    call free_list
    pop
    load ys
    call free_list
    pop
    push "after freeing: "
    write
    pool_used cons
    print
    push 1
    push 2
    cons
    push 3
    cons                    ; ((1 . 2) . 3)
    dup
    print
    dup
    car
    pool_free
    pool_free
    pool_used cons
    print
    push 0
    ret
.end

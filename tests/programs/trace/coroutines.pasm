; flags: --trace=alloc,summary
; A coroutine's life in the alloc trace: its `co` block, its frame, a line
; for each resume (where the resumer stands), each yield (where the
; coroutine stands) and its return; then `co` in the summary.
.pool co slots=8 blocks=2

.func twice x
    load x
    yield
    pop
    load x
    push 2
    mul
    ret
.end

.func main
.local co
    push 21
    cocreate twice
    store co
    load co
    push nil
    coresume
    print
    load co
    push nil
    coresume
    print
    load co
    pool_free
    push 0
    ret
.end

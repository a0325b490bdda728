; script.pasm — a game-style library run by the example hosts (C++ and C):
; no main; the host spawns an entity, calls `tick` every frame, hands it a
; list, and stops a runaway call with a step budget.
.pool entity slots=3 blocks=16      ; x, y, name
.global frames
.extern log 1

.func spawn name x
.local e
    pool_malloc entity
    store e
    load e
    load x
    setf 0
    load e
    push 0
    setf 1
    load e
    load name
    setf 2
    push "spawned "
    load name
    concat
    dup
    call log
    pop
    pool_free
    load e
    ret
.end

.func tick e                        ; moves e; returns a new string the host frees
    gload frames
    push 1
    add
    gstore frames
    load e
    load e
    getf 0
    push 1
    add
    setf 0
    push "x="
    load e
    getf 0
    tostr
    concat
    ret
.end

.func sum xs                        ; the sum of a list the host built
.local acc
    push 0
    store acc
loop:
    load xs
    jz done
    load acc
    load xs
    car
    add
    store acc
    load xs
    cdr
    store xs
    jmp loop
done:
    load acc
    ret
.end

.func runaway                       ; allocates forever: stopped by the host's budget
loop:
    push 1
    push nil
    cons
    pop
    jmp loop
.end

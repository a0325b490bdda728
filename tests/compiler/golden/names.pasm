; Golden input for spec §14: named constants of every kind and named record
; fields, used and unused, by name and by number. names.dis is its exact
; disassembly, which must reassemble to the same module.
.const MAX_DEPTH 3
.const SCALE 2.5
.const NEG_ZERO -0.0
.const TITLE "tree:\t\"x\"\n"
.const DEBUG false
.const EMPTY nil
.const UNUSED 0x7f
.const KEY_SLOT 2
.pool tree fields=left,right,key blocks=MAX_DEPTH
.pool pair slots=2 blocks=1
.global root

.func make key
.local t
    pool_malloc tree
    store t
    load t
    push EMPTY
    setf tree.left
    load t
    push nil
    setf 1
    load t
    load key
    setf KEY_SLOT
    load t
    ret
.end

.func main
    push TITLE
    write
    push 7
    call make
    gstore root
    gload root
    getf tree.key
    push SCALE
    mul
    print
    gload root
    getf 2
    push NEG_ZERO
    add
    print
    push DEBUG
    not
    assert
    push 0
    ret
.end

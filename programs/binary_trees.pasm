; binary_trees.pasm — the Computer Language Benchmarks Game's binary-trees:
; allocate and deallocate many perfect binary trees. Nodes are records of
; the `node` pool with fields left and right, freed explicitly while they are
; checked.
; Usage: poolvm run binary_trees.pasm [DEPTH]   (default 10; the pool holds depth 16)
.const DEFAULT_DEPTH 10
.const MIN_DEPTH 4
.const NODES 262144             ; a depth-16 tree and a depth-17 stretch tree, one at a time
.pool node fields=left,right blocks=NODES

.func make depth            ; a perfect tree of the given depth
.local n
    pool_malloc node
    store n
    load depth
    jz leaf
    load n
    load depth
    push 1
    sub
    call make
    setf node.left
    load n
    load depth
    push 1
    sub
    call make
    setf node.right
leaf:
    load n
    ret
.end

.func check_free n          ; counts the nodes and frees them
.local left count
    load n
    getf node.left
    store left
    push 1
    store count
    load left
    jz leaf
    load left
    call check_free
    load n
    getf node.right
    call check_free
    add
    load count
    add
    store count
leaf:
    load n
    pool_free
    load count
    ret
.end

.func main
.local n max_depth stretch long_lived d iterations i check
    push DEFAULT_DEPTH
    store n
    argc
    jz sized
    push 0
    argv
    dup
    toint
    store n
    pool_free
sized:
    load n
    store max_depth
    load n
    push 6
    lt
    jz deep_enough
    push 6
    store max_depth
deep_enough:
    load max_depth
    push 1
    add
    store stretch
    push "stretch tree of depth "
    write
    load stretch
    write
    push "\t check: "
    write
    load stretch
    call make
    call check_free
    print

    load max_depth
    call make
    store long_lived

    push MIN_DEPTH
    store d
depths:
    load d
    load max_depth
    gt
    jnz done
    push 1
    load max_depth
    load d
    sub
    push 4
    add
    shl
    store iterations
    push 0
    store check
    push 0
    store i
trees:
    load i
    load iterations
    ge
    jnz report
    load check
    load d
    call make
    call check_free
    add
    store check
    load i
    push 1
    add
    store i
    jmp trees
report:
    load iterations
    write
    push "\t trees of depth "
    write
    load d
    write
    push "\t check: "
    write
    load check
    print
    load d
    push 2
    add
    store d
    jmp depths
done:
    push "long lived tree of depth "
    write
    load max_depth
    write
    push "\t check: "
    write
    load long_lived
    call check_free
    print
    push 0
    ret
.end

\ binary_trees.fs — the Benchmarks Game's binary-trees: make a perfect tree, then count its nodes.
\ A node is two allocated cells (left, right); a leaf's children are 0.
: make ( depth -- node )
  dup 0= if drop 0 0 else 1- dup recurse swap recurse then
  2 cells allocate throw tuck cell+ ! tuck ! ;

\ Count the nodes of a tree, freeing them as it goes.
: check ( node -- n )
  dup @ 0= if free throw 1 exit then
  dup @ recurse over cell+ @ recurse + 1+ swap free throw ;

: n. ( n -- ) 0 .r ;
: tab ( -- ) 9 emit ;

: arg-depth ( -- n )
  next-arg dup 0= if 2drop 10 exit then
  s>number? if d>s else 2drop 10 then ;

: main ( -- )
  arg-depth dup 6 < if drop 6 then { max-depth }
  max-depth 1+ { stretch }
  ." stretch tree of depth " stretch n. tab ."  check: " stretch make check n. cr
  max-depth make { long-lived }
  max-depth 1+ 4 do
    1 max-depth i - 4 + lshift { iterations }
    0 iterations 0 do j make check + loop { c }
    iterations n. tab ."  trees of depth " i n. tab ."  check: " c n. cr
  2 +loop
  ." long lived tree of depth " max-depth n. tab ."  check: " long-lived check n. cr ;

main bye

\ list.fs — build a 300,000-element cons list, reverse it, sum it, drop it; 10 times.
\ A cons cell is two allocated cells: head, tail (0 ends the list).
: cons ( x tail -- cell )
  2 cells allocate throw tuck cell+ ! tuck ! ;

: build ( -- list )
  0 300000 0 do i swap cons loop ;

\ Build the reversed list in new cells, freeing the old ones as we go.
: reverse ( list -- list' )
  0 swap begin dup while
    dup @ rot cons swap
    dup cell+ @ swap free throw
  repeat drop ;

: sum ( list -- n )
  0 swap begin dup while dup @ rot + swap cell+ @ repeat drop ;

: free-list ( list -- )
  begin dup while dup cell+ @ swap free throw repeat drop ;

: main ( -- )
  next-arg 2drop          \ ignore an optional argument
  0 10 0 do
    build reverse dup sum rot + swap free-list
  loop 0 .r cr ;

main bye

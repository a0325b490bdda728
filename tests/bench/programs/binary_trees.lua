-- binary_trees.lua — the Benchmarks Game's binary-trees, shaped like
-- programs/binary_trees.pasm: make a perfect tree, then count its nodes.
local function make(depth)
  if depth == 0 then return {} end
  depth = depth - 1
  return { make(depth), make(depth) }
end

local function check(node)
  if node[1] == nil then return 1 end
  return 1 + check(node[1]) + check(node[2])
end

local n = tonumber(arg and arg[1]) or 10
local max_depth = n < 6 and 6 or n
local stretch = max_depth + 1
io.write("stretch tree of depth ", stretch, "\t check: ", check(make(stretch)), "\n")
local long_lived = make(max_depth)
for d = 4, max_depth, 2 do
  local iterations = math.floor(2 ^ (max_depth - d + 4))  -- LuaJIT has no <<
  local c = 0
  for _ = 1, iterations do c = c + check(make(d)) end
  io.write(iterations, "\t trees of depth ", d, "\t check: ", c, "\n")
end
io.write("long lived tree of depth ", max_depth, "\t check: ", check(long_lived), "\n")

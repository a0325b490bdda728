-- loop.lua — sum of i*i mod 7 for i below 90,000,000 (exact in LuaJIT's doubles).
local s = 0
for i = 0, 90000000 - 1 do
  s = s + i * i % 7
end
print(s)

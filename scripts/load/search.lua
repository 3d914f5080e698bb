-- Registry searches over names and statement text, a few words in turn.
local words = {"Ashby", "apparel", "energy", "Kestrel", "logistics", "training", "audit", "supplier"}
request = function()
  return wrk.format("GET", "/organisations?q=" .. words[math.random(1, #words)])
end

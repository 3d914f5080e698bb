-- Random statement pages out of the 300,000 generated versions.
request = function()
  return wrk.format("GET", "/statements/" .. math.random(1, 300000))
end

module chatty

go 1.19

module gendata

go 1.19

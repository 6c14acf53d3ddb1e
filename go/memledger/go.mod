module memledger

go 1.19

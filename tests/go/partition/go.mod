module partition

go 1.19

require memledger v0.0.0

replace memledger => ../../../go/memledger

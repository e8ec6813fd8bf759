package localcloud

// diskMargin is kept free beyond an upload's length: the cloud's database and the checks
// of the finished upload need some room too.
const diskMargin = 256 << 20

#ifndef CREDIT_CLIBPQ_SHIM_H
#define CREDIT_CLIBPQ_SHIM_H
#include <libpq-fe.h>
#endif

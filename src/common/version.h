/* version: the one place the version lives. */
#ifndef PM2_VERSION_H
#define PM2_VERSION_H

#ifndef PM2_VERSION
#define PM2_VERSION "0.1.0"
#endif

#endif

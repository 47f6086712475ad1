/* package_json: an app's version, as PM2 finds it for the `version`
 * column: the "version" of the first package.json that parses, looking in
 * the script's folder and then each folder above it, "/" excluded. */
#ifndef PM2_PACKAGE_JSON_H
#define PM2_PACKAGE_JSON_H

/* A new string, or NULL when there is none (PM2 shows "N/A"). A relative
 * script is looked up from cwd. */
char *package_version(const char *script, const char *cwd);

#endif

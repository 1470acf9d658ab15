/* File: sdk_export.h
 * CG_API marks the only symbols the SDK's shared library exports; everything else is built with
 * -fvisibility=hidden so vendors cannot come to depend on internals. */
#ifndef CLAIMGATE_SDK_EXPORT_H
#define CLAIMGATE_SDK_EXPORT_H

#if defined(CG_SDK_STATIC)
#define CG_API
#elif defined(__GNUC__)
#define CG_API __attribute__((visibility("default")))
#else
#define CG_API
#endif

#endif /* CLAIMGATE_SDK_EXPORT_H */

#pragma once
// XGBoost's C API, bound at run time from libxgboost.so.0 (Debian's libxgboost0) instead of linked.
// Linked, libxgboost (with libgomp and libdmlc, and their static registries) costs every exec of every
// program that could serve a model milliseconds of dynamic linking and static construction, whether or
// not it ever loads one. Bound, it is loaded when first needed: by the "xgboost" loader when a manifest
// first names it, or by a program that trains (vigil train).
//
// The members are named after, and typed by, the functions of <xgboost/c_api.h>: a signature that
// drifts from the header fails to compile. Add a member (and its bind in xgboost_library.cpp) to call
// another function.
//
// Lifetime: the library stays loaded until the process exits. Thread-safety: xgboost() may be called
// from any thread; the functions are XGBoost's, with XGBoost's own thread-safety.
#include <xgboost/c_api.h>

namespace lifespan::models {

struct xgboost_library {
  decltype(&::XGBoostVersion) XGBoostVersion = nullptr;
  decltype(&::XGBGetLastError) XGBGetLastError = nullptr;
  // serving
  decltype(&::XGBoosterCreate) XGBoosterCreate = nullptr;
  decltype(&::XGBoosterFree) XGBoosterFree = nullptr;
  decltype(&::XGBoosterLoadModel) XGBoosterLoadModel = nullptr;
  decltype(&::XGBoosterSetParam) XGBoosterSetParam = nullptr;
  decltype(&::XGBoosterGetNumFeature) XGBoosterGetNumFeature = nullptr;
  decltype(&::XGBoosterPredictFromDense) XGBoosterPredictFromDense = nullptr;
  // training
  decltype(&::XGDMatrixCreateFromMat) XGDMatrixCreateFromMat = nullptr;
  decltype(&::XGDMatrixFree) XGDMatrixFree = nullptr;
  decltype(&::XGDMatrixSetFloatInfo) XGDMatrixSetFloatInfo = nullptr;
  decltype(&::XGBoosterUpdateOneIter) XGBoosterUpdateOneIter = nullptr;
  decltype(&::XGBoosterPredict) XGBoosterPredict = nullptr;
  decltype(&::XGBoosterSaveModel) XGBoosterSaveModel = nullptr;

  // XGBGetLastError's text, or "unknown XGBoost error".
  const char* last_error() const;
};

// Loads and binds libxgboost.so.0 on the first call; later calls cost one check. Throws
// std::runtime_error naming the library, the reason and the Debian package to install (libxgboost0);
// a later call tries again.
const xgboost_library& xgboost();

}  // namespace lifespan::models
